from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MdtConfig(AppConfig):
    name = "mdt"
    verbose_name = _("MDT reviews")

    def ready(self):
        # Models must be loaded first. The agenda tasks register in every process. A panel seat
        # approved in the accounts' two-admin flow is given through this app's verb, and the demo
        # panel joins load_demo's data: casework names neither, as it never imports this app.
        from casework import signals
        from casework.accounts import powers
        from mdt import demo, tasks, workflow  # noqa: F401

        powers.register_panel_seater(workflow.add_member)
        signals.demo_caseload_loaded.connect(demo.on_demo_caseload_loaded, dispatch_uid="mdt-demo")
