from apps.accounts.models import AccountType
from apps.compute.responses import vm_response
from apps.compute.selectors import vm_for_task


class Flow:
    """A job on one VM, in four parts the runner calls in order:

    ``prepare`` (here, synchronously: state guards, reservations), ``stages`` (lists of
    component task signatures; the tasks of a stage run in parallel, stages in order),
    ``finish`` (here: the final state and the job's result). On any failure the runner
    runs ``compensations`` (in parallel), then ``abort`` (here), then fails the job.
    Every part must be safe to run twice: messages can be redelivered.
    """

    name = ""

    def prepare(self, job, vm):
        pass

    def stages(self, job, vm):
        return []

    def finish(self, job, vm):
        return vm_result(job, vm)

    def compensations(self, job, vm):
        return []

    def abort(self, job, vm):
        pass


def vm_result(job, vm):
    vm = vm_for_task(vm.pk)
    return {"virtualmachine": vm_response(vm, admin=job.account.type != AccountType.USER)}
