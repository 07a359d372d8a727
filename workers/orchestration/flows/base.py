from apps.compute.selectors import vm_for_task
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
