"""gunicorn settings for the API component: each worker process registers itself in service
discovery with the endpoint it answers on."""
import os
import threading

bind = os.environ.get("JAVELIN_API_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("JAVELIN_API_WORKERS", "2"))
threads = 4
worker_class = "gthread"
accesslog = "-"
loglevel = "warning"


def post_worker_init(worker):
    from apps.components import services

    endpoint = f"http://{bind}/client/api"
    services.register("api", f"api@{bind}", endpoint=endpoint)
    stop = threading.Event()

    def beat():
        while not stop.wait(services.heartbeat_interval()):
            try:
                services.beat("api")
            except Exception:  # noqa: BLE001 - a missed beat is retried at the next one
                pass

    threading.Thread(target=beat, daemon=True, name="heartbeat-api").start()


def worker_exit(server, worker):
    from apps.components import services

    services.unregister("api")
