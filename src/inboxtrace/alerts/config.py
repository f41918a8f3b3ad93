"""Alert rules and notification targets, from a TOML file (the shipped defaults when none is given).

Secrets (webhook URLs with tokens, SMTP passwords) are named by environment variable or file
(``url_env``, ``password_env``, ``password_file``), never written in the rules file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inboxtrace.datafiles import read_text
from inboxtrace.errors import ConfigError

ENV_VAR = "INBOXTRACE_ALERTS"
METRICS = (
    "bounce_rate",
    "hard_bounce_rate",
    "throttling",
    "complaint_rate",
    "blocklisting",
    "placement_inbox",
    "check_score_drop",
    "check_blocklisting",
)
GROUPS = ("all", "provider", "rcpt_domain", "sender_domain")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def duration(value: Any, what: str) -> float:
    """Seconds of ``"90s"``, ``"15m"``, ``"1h"``, ``"7d"``, ``"2w"`` or a number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", str(value))
    if not m:
        raise ConfigError(f"{what}: not a duration like 15m, 1h or 7d: {value!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    metric: str
    threshold: float
    by: str = "all"
    factor: float = 0.0
    min_volume: int = 1
    severity: str = "warning"
    window: float | None = None  # seconds; None: the settings' window
    baseline: float | None = None

    @property
    def below(self) -> bool:
        """Whether the rule fires when the value falls *below* the threshold (inbox placement)."""
        return self.metric == "placement_inbox"


@dataclass(frozen=True, slots=True)
class Notifier:
    type: str  # webhook | email
    options: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def secret(self, key: str) -> str | None:
        """``key`` itself, else the env variable named by ``key_env``, else the file ``key_file``."""
        direct = self.options.get(key)
        if direct:
            return str(direct)
        env = self.options.get(f"{key}_env")
        if env:
            value = os.environ.get(str(env))
            if not value:
                raise ConfigError(f"notifier {self.type}: environment variable {env} is not set")
            return value
        path = self.options.get(f"{key}_file")
        if path:
            try:
                return Path(str(path)).expanduser().read_text("utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"notifier {self.type}: cannot read {path}: {exc.strerror}") from exc
        return None

    def __repr__(self) -> str:
        return f"Notifier({self.type!r})"


@dataclass(frozen=True, slots=True)
class AlertConfig:
    rules: tuple[Rule, ...]
    notifiers: tuple[Notifier, ...] = ()
    window: float = 3600.0
    baseline: float = 7 * 86400.0
    source: str = "defaults"


def _rule(raw: Any, n: int) -> Rule:
    if not isinstance(raw, dict):
        raise ConfigError(f"rule #{n}: not a table")
    rid = str(raw.get("id") or f"rule-{n}")
    metric = raw.get("metric")
    if metric not in METRICS:
        raise ConfigError(f"rule {rid}: metric must be one of {', '.join(METRICS)}, not {metric!r}")
    by = raw.get("by", "all")
    if by not in GROUPS:
        raise ConfigError(f"rule {rid}: by must be one of {', '.join(GROUPS)}, not {by!r}")
    try:
        threshold = float(raw["threshold"])
        factor = float(raw.get("factor", 0.0))
        min_volume = int(raw.get("min_volume", 1))
    except KeyError as exc:
        raise ConfigError(f"rule {rid}: threshold is required") from exc
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"rule {rid}: threshold, factor and min_volume must be numbers") from exc
    severity = str(raw.get("severity", "warning"))
    if severity not in ("info", "warning", "critical"):
        raise ConfigError(f"rule {rid}: severity must be info, warning or critical")
    window = duration(raw["window"], f"rule {rid} window") if "window" in raw else None
    baseline = duration(raw["baseline"], f"rule {rid} baseline") if "baseline" in raw else None
    return Rule(rid, metric, threshold, by, factor, max(min_volume, 1), severity, window, baseline)


def parse_config(data: Mapping[str, Any], source: str) -> AlertConfig:
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise ConfigError(f"{source}: [settings] must be a table")
    rules = tuple(_rule(r, i + 1) for i, r in enumerate(data.get("rule", [])))
    ids = [r.id for r in rules]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ConfigError(f"{source}: rule ids must be unique: {', '.join(sorted(dup))}")
    notifiers = []
    for raw in data.get("notify", []):
        if not isinstance(raw, dict) or raw.get("type") not in ("webhook", "email"):
            raise ConfigError(f'{source}: each [[notify]] needs type = "webhook" or "email"')
        notifiers.append(Notifier(str(raw["type"]), dict(raw)))
    return AlertConfig(
        rules,
        tuple(notifiers),
        duration(settings.get("window", "1h"), "window"),
        duration(settings.get("baseline", "7d"), "baseline"),
        source,
    )


def load_config(path: str | Path | None = None) -> AlertConfig:
    """The rules in ``path`` (default: ``$INBOXTRACE_ALERTS``, else the shipped defaults)."""
    chosen = path or os.environ.get(ENV_VAR)
    if chosen:
        try:
            text = Path(chosen).expanduser().read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the alert rules {chosen}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"the alert rules {chosen} are not UTF-8 text") from exc
        source = str(chosen)
    else:
        text = read_text("alerts", "data", "default.toml")
        source = "defaults"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    return parse_config(data, source)


__all__ = [
    "ENV_VAR",
    "GROUPS",
    "METRICS",
    "AlertConfig",
    "Notifier",
    "Rule",
    "duration",
    "load_config",
    "parse_config",
]
