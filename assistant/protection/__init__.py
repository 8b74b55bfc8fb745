"""Protection of the HTTP service (GB/T 47483 §9.2.1 a, §9.2.2 b).

Rate limits per kiosk, per token and per address (the ``limits`` library over Redis or
memory), throttling of failed credential attempts, request-size limits and security headers
on every response. :func:`assistant.protection.middleware.install` adds them to an app.
"""
