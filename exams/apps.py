from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

SANDBOX_QUEUE = "sandbox"


def _sandbox_probe_at_start(sender=None, **kwargs) -> None:
    """A Celery worker consuming the sandbox queue probes the sandbox when it starts: the log
    says whether practical tasks can be run on this host, and the health page shows it."""
    from exams.sandbox_health import sandbox_health_record

    try:
        queues = set(sender.app.amqp.queues.consume_from)
    except AttributeError:  # not the consumer Celery documents: probe anyway
        queues = {SANDBOX_QUEUE}
    if SANDBOX_QUEUE in queues:
        sandbox_health_record(host=getattr(sender, "hostname", None))


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("Exams")

    def ready(self) -> None:
        from celery.signals import worker_ready

        worker_ready.connect(_sandbox_probe_at_start, weak=False, dispatch_uid="exams.sandbox-probe")
