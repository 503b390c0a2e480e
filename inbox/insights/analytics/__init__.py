"""Customer analytics and reputation monitoring: the pure-logic core.

Plain Python over plain data. Nothing here imports Flask, SQLAlchemy, Celery
or `web`; the database code that feeds these functions reads rows, turns them
into the dataclasses below and stores what comes back. Each module documents
its method and its limits in its docstring:

- `rfm`: recency / frequency / monetary quintile scores and named segments.
- `clv`: a customer lifetime value heuristic and the VIP rule.
- `lifecycle`: lifecycle stages from events, transitions and the funnel.
- `spikes`: spike alerts on count series, one alert per episode.
- `terms`: cheap multilingual tokenizing and rising terms / hashtags.
- `surveys`: CSAT and NPS maths and per-group reports.
- `orders_csv`: the streaming parser behind `murmur import orders`.
"""
