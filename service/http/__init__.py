"""What the two HTTP adapters (api/ and web/) share: the caller and the request's session
(context.py) and one transaction per request (transaction.py)."""
