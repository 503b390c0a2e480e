"""`python -m web.bench [--quick|--profile]`."""

from web.bench.report import main

main()
