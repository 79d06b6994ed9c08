"""`make serve`: its settings refused one line each, and its nginx config complete and valid for Debian's nginx."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.serve import PROJECT_ROOT, Instance, ProductionShape, nginx_binary, render_nginx

HEADERS = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'", "X-Frame-Options": "DENY"}


def shape(tmp_path: Path) -> ProductionShape:
    instances = [Instance(port=port, log_path=tmp_path / f"{port}.log") for port in (18001, 18002)]
    return ProductionShape(port=18000, env={}, state_dir=tmp_path, instances=instances)


def test_every_placeholder_is_filled_and_every_instance_is_an_upstream(tmp_path: Path) -> None:
    config = render_nginx(shape(tmp_path), HEADERS)
    assert not re.search(r"@[A-Z_]+@", config.replace("@NAME@", ""))
    assert "listen 127.0.0.1:18000;" in config
    for port in (18001, 18002):
        assert f"server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" in config
    assert config.count('add_header Content-Security-Policy "default-src \'self\'; frame-ancestors \'none\'" always;') == 2
    assert '"$request_method $uri"' in config  # no query strings (client tokens) in the access log


def test_debians_nginx_accepts_the_config(tmp_path: Path) -> None:
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "tmp" / temp).mkdir(parents=True)
    config = tmp_path / "nginx.conf"
    config.write_text(render_nginx(shape(tmp_path), HEADERS))
    result = subprocess.run([nginx_binary(), "-t", "-e", str(tmp_path / "error.log"), "-c", str(config)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("port", "instances", "problems"), [
    ("99", "2", ["SMNB_PORT"]),
    ("8080", "0", ["SMNB_INSTANCES"]),
    ("eighty", "1e9", ["SMNB_PORT", "SMNB_INSTANCES"]),
    ("80\t80", "-1", ["SMNB_PORT", "SMNB_INSTANCES"]),
    ("8" * 400, "", ["SMNB_PORT"]),
])
def test_bad_port_or_instance_count_stops_make_serve_one_line_each(port: str, instances: str,
                                                                   problems: list[str]) -> None:
    env = {**os.environ, "SMNB_PORT": port, "SMNB_INSTANCES": instances}
    result = subprocess.run([sys.executable, "-m", "deploy.serve"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    lines = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert result.returncode == 1 and result.stdout == ""
    assert [line.split(":", 1)[0] for line in lines] == problems
