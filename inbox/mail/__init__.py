"""Mail: the one way Murmur sends an e-mail (invitations, weekly digests, widget follow-ups, listening
alerts), built with the stdlib `EmailMessage` in UTF-8, and the words of each mail in its reader's
language. Imports inbox.store only; the translations come from the web layer through `inbox.settings`.
"""
