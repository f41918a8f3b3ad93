"""What an ingest holds in memory: the modules it loads, and what stays bounded as the log grows.
(Peak memory itself is measured in benchmarks/bench_memory.py, not in tests.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import generated_log

# Loaded by the ESP webhook providers (request signatures, HTTP): a log ingest needs none of them,
# and each process of a parallel ingest would carry them (~15 MB).
NOT_FOR_LOGS = ("cryptography", "httpx", "inboxtrace.esp.registry", "inboxtrace.esp.mailgun")


def _modules_after_ingest(log: Path, db: Path) -> set[str]:
    code = (
        "import sys\nfrom inboxtrace.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('\\n'.join(sys.modules), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "ingest", "--db", f"sqlite:///{db}", "-q", str(log)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(done.stderr.split())


def test_an_ingest_into_a_new_store_loads_no_esp_provider(tmp_path: Path) -> None:
    log = generated_log(tmp_path / "mail.log", 2000)
    loaded = _modules_after_ingest(log, tmp_path / "new.db")
    assert "inboxtrace.store.log_chunks" in loaded or "inboxtrace.store.logs" in loaded
    assert "inboxtrace.esp.base" in loaded  # the store's ESP tables are declared...
    assert not [m for m in loaded if m.startswith(NOT_FOR_LOGS)]  # ...without the providers


def test_the_esp_names_still_load_on_first_use() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, inboxtrace.esp as e\nassert 'httpx' not in sys.modules\n"
            "print(e.provider('mailgun').name, e.EspSettings.__name__, len(e.PROVIDERS) > 3)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["mailgun", "EspSettings", "True"]
