from apps.accounts.selectors import Caller
from apps.compute.selectors import vm_for_task
from apps.core.errors import CloudError
from apps.jobs import services as jobs
from apps.jobs.models import AsyncJob, JobStatus
from workers import results


class Flow:
    """A job that crosses components, on one subject (a VM, a volume, a template, a host), in
    the parts the runner calls in order:

    ``prepare`` (here, synchronously, in one transaction with its claim: state guards,
    reservations), ``stages`` (lists of component step signatures, made once, when the flow
    is prepared, and recorded as the job's plan: the tasks of a stage run in parallel, stages
    in order), ``finish`` (here: the final state and the job's result). On any failure the
    runner runs ``compensations`` (in parallel), then ``abort`` (here), then fails the job.
    A flow that ``waits_for_children`` has no stages of its own: it finishes when the jobs it
    started end (:meth:`children_ended`). Every part must be safe to run twice: messages can
    be redelivered.
    """

    name = ""
    subject = "VirtualMachine"  # the instance type of its jobs
    one_at_a_time = True  # jobs on one subject run one at a time, in submission order
    waits_for_children = False

    def load(self, subject_id):
        return vm_for_task(subject_id)

    def prepare(self, job, subject):
        pass

    def stages(self, job, subject):
        return []

    def finish(self, job, subject):
        return results.of(job)

    def compensations(self, job, subject):
        return []

    def abort(self, job, subject):
        pass

    def children_ended(self, job, subject):
        """For a flow that waits for its child jobs: True once they all ended well (then the
        job finishes); raise a CloudError to fail the job; False to go on waiting."""
        return True

    # --- for flows that wait for jobs of their own ----------------------------------------
    def start_child(self, job, subject, kind, **params):
        """A job of ``kind`` for ``job``'s caller that ``job`` waits for: its end calls
        :meth:`children_ended` (through the runner)."""
        parent = {"flow": self.name, "job": job.pk, "subject": subject.pk}
        return jobs.start_job(kind, Caller(job.user), {**params, "parent": parent})

    @staticmethod
    def record_children(job, children, **more):
        """Keep the ids of the jobs ``job`` waits for (and ``more`` of its state) in its params."""
        job.params = {**job.params, "children": children, **more}
        AsyncJob.objects.filter(pk=job.pk).update(params=job.params)

    @staticmethod
    def children_done(job, failure=str):
        """True once every job ``job`` waits for ended well, False while one has not ended; the
        first that failed raises its error (its text through ``failure``)."""
        children = AsyncJob.objects.filter(pk__in=job.params.get("children", []))
        failed = children.filter(status=JobStatus.FAILED).first()
        if failed is not None:
            raise CloudError(failure(failed.result["errortext"]), failed.result_code)
        return not children.filter(status=JobStatus.PENDING).exists()
