"""The Service Framework's autoscaler: grows and shrinks each component's worker processes
with the backlog of its queue (see :mod:`.scaler`)."""
