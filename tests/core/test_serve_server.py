"""`outletcrm serve --server gunicorn|granian` (issue 11: the morning load test compares both;
bench/results/morning.md). The option is accepted, refused cleanly when wrong, and builds the
granian command line for the same WSGI app."""

import importlib.util

import pytest
from django.core.management.base import CommandError

from outletcrm.core.management.commands.serve import granian_argv
from tests.core.test_production import run


def test_granian_serves_the_same_wsgi_app_with_the_same_workers():
    argv = granian_argv(bind="127.0.0.1:9000", workers=4, threads=2)
    assert argv[1:3] == ["-m", "granian"] and argv[-1] == "outletcrm.wsgi:application"
    assert argv[argv.index("--interface") + 1] == "wsgi"
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "9000"
    assert argv[argv.index("--workers") + 1] == "4"
    assert argv[argv.index("--blocking-threads") + 1] == "2"
    socket = granian_argv(bind="unix:/run/outletcrm.sock", workers=1, threads=1)
    assert socket[socket.index("--uds") + 1] == "/run/outletcrm.sock" and "--port" not in socket
    with pytest.raises(CommandError):
        granian_argv(bind="nonsense", workers=1, threads=1)


@pytest.mark.skipif(importlib.util.find_spec("granian") is None, reason="granian not installed")
def test_serve_accepts_granian(tmp_path):
    result = run(["serve", "--check-only", "--server", "granian", "--bind", "0.0.0.0:8080"],
                 {"OUTLETCRM_ENV": "demo"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "-m granian" in result.stdout and "--port 8080" in result.stdout


def test_serve_refuses_an_unknown_server_in_one_line(tmp_path):
    result = run(["serve", "--check-only", "--server", "uwsgi"], {"OUTLETCRM_ENV": "demo"},
                 tmp_path)
    assert result.returncode != 0 and "uwsgi" in result.stderr and "granian" in result.stderr
    assert "只能是 gunicorn 或 granian" in result.stderr  # in the default (Chinese) interface
    assert "Traceback" not in result.stderr
    default = run(["serve", "--check-only"], {"OUTLETCRM_ENV": "demo", "SERVE_SERVER": ""},
                  tmp_path)
    assert default.returncode == 0 and "-m gunicorn" in default.stdout
