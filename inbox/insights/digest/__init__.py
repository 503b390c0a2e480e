"""The weekly digest for brand managers: figures chosen by key, rendered as e-mail (charts as
images) and PDF, sent once per week per manager. Imports the store and insights, never `web`."""
