"""Image jobs: registerTemplate's download, copyTemplate and createSnapshot. The Storage
component makes the files; the job's result is the template or the snapshot as it is then.

Nothing is left half-made: a download that fails or is given up leaves a template that says
why in its status (and no file); a copy that does not finish leaves no copy; a snapshot that
does not finish is discarded with whatever part of its file was written.
"""
from apps.catalog.models import Template, TemplateCopy
from apps.jobs import services as jobs
from apps.storage.models import Snapshot
from clients import storage

from .base import Flow


class TemplateFlow(Flow):
    subject = "Template"
    one_at_a_time = False  # a template's downloads and copies to different zones do not wait for each other

    def load(self, subject_id):
        return Template.objects.select_related("zone", "os_type").get(pk=subject_id)


class RegisterTemplate(TemplateFlow):
    name = "register_template"

    def stages(self, job, template):
        return [[storage.download_template(job.pk, template.pk)]]

    def abort(self, job, template):
        Template.objects.filter(pk=template.pk, is_ready=False).exclude(status__startswith="Download failed").update(
            status=f"Download failed: {jobs.first_failure(job.pk).errortext}")


class CopyTemplate(TemplateFlow):
    name = "copy_template"

    def stages(self, job, template):
        return [[storage.copy_template(job.pk, job.params["copies"])]]

    def abort(self, job, template):
        TemplateCopy.objects.filter(pk__in=job.params["copies"], is_ready=False).delete()


class CreateSnapshot(Flow):
    name = "snapshot"
    subject = "Snapshot"

    def load(self, subject_id):
        return Snapshot.objects.select_related("volume", "zone", "account__domain").get(pk=subject_id)

    def stages(self, job, snapshot):
        return [[storage.create_snapshot(job.pk, snapshot.pk)]]

    def compensations(self, job, snapshot):
        return [storage.discard_snapshot(job.pk, snapshot.pk)] if jobs.did_claim(job.pk, "create_snapshot") else []
