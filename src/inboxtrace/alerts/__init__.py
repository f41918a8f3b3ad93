"""Alerts when delivery goes wrong: rules (TOML) evaluated from the store, announced once when a
condition starts and once when it ends, to stdout/JSON, a webhook and e-mail."""

from inboxtrace.alerts.config import AlertConfig, Notifier, Rule, load_config
from inboxtrace.alerts.evaluate import Evaluation, evaluate, latest_time
from inboxtrace.alerts.notify import deliver
from inboxtrace.store.alerts import active_alerts

__all__ = [
    "AlertConfig",
    "Evaluation",
    "Notifier",
    "Rule",
    "active_alerts",
    "deliver",
    "evaluate",
    "latest_time",
    "load_config",
]
