"""Run the tasks a request queued after commit, here and now (the tests have no worker)."""

from django_tenants.utils import schema_context

from tenants.queueing import AfterCommitSend


def run_queued(callbacks) -> list[str]:
    """Run each captured after-commit task send in its business; returns the tasks' names."""
    names = []
    for callback in callbacks:
        if isinstance(callback, AfterCommitSend):
            with schema_context(callback.schema):
                callback.task.run(*callback.args)
            names.append(callback.task.name)
    return names
