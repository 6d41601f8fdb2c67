"""Signed completion webhooks: a job's terminal event POSTed to its callback URL.

``signing`` signs per the Standard Webhooks scheme, ``targets`` decides which URLs may be
called, ``deliverer`` claims due deliveries (rows of ``webhook_deliveries``, written with the
terminal event by ``jobs.writes``) and sends them with retries. SQL stays in ``jobs.sql``.
"""
