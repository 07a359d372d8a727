"""One package per component process. Other components reach a component only through its
``api`` module, which alone knows its queue and task names."""
