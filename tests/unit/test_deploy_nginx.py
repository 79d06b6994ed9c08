"""The production shape's nginx config: rendered completely, and valid for Debian's nginx."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from deploy.serve import Instance, ProductionShape, nginx_binary, render_nginx

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
