"""The long-running service: scheduler, supervision, status and the demo."""
