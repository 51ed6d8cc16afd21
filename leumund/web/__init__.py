"""The dashboard: server-rendered pages over `storage/`, with the mails' wording and charts."""
