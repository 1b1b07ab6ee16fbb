"""Following the web: fetching pages and feeds within limits, and the poller."""
