"""Javelin's settings with one more URL, for bench/api.py: a bare Django view beside the query
API, served by the same gunicorn."""
from cloudstack.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare.urls"
