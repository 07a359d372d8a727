"""One list of processes (the Procfile): the supervisor's configuration and the systemd units
are generated from it, and the committed units are what the generator writes today."""
import configparser
import shlex

from cloudstack.processes import ROOT, procfile, supervisord_conf, systemd_units


def test_the_supervisor_runs_every_procfile_entry_as_written(tmp_path):
    conf = configparser.RawConfigParser()
    conf.read_string(supervisord_conf(tmp_path, "/venv/bin"))
    programs = {section.split(":", 1)[1]: conf[section] for section in conf.sections() if section.startswith("program:")}
    assert list(programs) == list(procfile())
    for name, command in procfile().items():
        program = programs[name]
        assert (program["autorestart"], program["stopasgroup"], program["killasgroup"]) == ("true", "true", "true")
        argv = shlex.split(program["command"].replace("%%", "%"))  # supervisord's own escaping undone
        assert argv[:2] == ["/bin/bash", "-c"] and argv[2] == f"exec {command}"
        assert program["stdout_logfile"] == str(tmp_path / "logs" / f"{name}.log")


def test_the_committed_systemd_units_are_the_generated_ones():
    units = systemd_units()
    directory = ROOT / "deploy" / "systemd"
    assert sorted(p.name for p in directory.iterdir()) == sorted(units), "run: manage.py systemd_units"
    for name, text in units.items():
        assert (directory / name).read_text() == text, f"{name} is stale: run manage.py systemd_units"
    orchestration = units["javelin-orchestration.service"]
    assert "Restart=on-failure" in orchestration
    assert "orchestration@%%h" in orchestration and "$${JAVELIN_ORCHESTRATION_CONCURRENCY:-2}" in orchestration
    assert set(units["javelin.target"].split("Wants=")[1].split("\n")[0].split()) == {f"javelin-{n}.service" for n in procfile()}
