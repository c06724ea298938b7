"""Mail out: the one message builder (mime.py), the one SMTP client (smtp.py), and the
sender of account mails over both (accounts.py)."""
