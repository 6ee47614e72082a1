"""The production web server: ``gunicorn -c config/gunicorn.conf.py config.wsgi`` (or ``make serve``).

Threaded workers (``gthread``), chosen by measurement (``bench/server_modes.py``;
figures in docs/ARCHITECTURE.md, "Serving"): the views are synchronous Django
code waiting on PostgreSQL, so threads serve them concurrently, and a worker's heartbeat runs in its main
loop, not in the request threads, so ``timeout`` never kills a long download (an export of millions of rows
to a slow client). Sync workers would, after 30 s, and an ASGI server would run every synchronous view on one
thread per worker.

Connections stay bounded: each thread keeps at most one PostgreSQL connection (``DB_CONN_MAX_AGE``), each
export one more, at most ``EXPLORE_MAX_EXPORTS_IN_FLIGHT`` per worker; so the web tier holds at most
``WEB_WORKERS x (WEB_THREADS + EXPLORE_MAX_EXPORTS_IN_FLIGHT)`` connections. Every value can be set from the
environment.
"""

import os

bind = os.environ.get("WEB_BIND", f"{os.environ.get('WEB_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
# Heartbeat of a worker's main loop (not of a request): a worker stuck this long is restarted.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
# On a restart (a deploy, SIGTERM), requests in flight get this long to finish: long downloads past it are cut.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "120"))
# Keep-alive between requests of one client (a script paging through records), behind a proxy or not.
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# No recycling after N requests (max_requests): a recycled worker's graceful stop would cut long downloads.
# Bounds on what a client may send before Django sees it.
limit_request_line = 8190
limit_request_fields = 100
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
# No application preloading: each worker opens its own connections after the fork.
preload_app = False
