"""Issue 14, observed (not a test): the .deb on a Debian 12 node with systemd-resolved, booted
with systemd-nspawn (see node.py). Prints /etc/resolv.conf, /run/systemd/resolve, the agent's
state folder and `getent hosts` at each step, then the agent's journal.

    sudo python3 tests/system/repro_resolved.py running     # resolved active: Permission denied
    sudo python3 tests/system/repro_resolved.py disabled    # resolved disabled, link left: purge
                                                            # leaves a 0-byte /etc/resolv.conf

MDNS_DEB: the .deb (default: the newest build-pkg/mesos-dns-agent_*.deb).
"""
import glob
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

import node as nodes  # noqa: E402
from harness import app_state  # noqa: E402

NAME = "myapp.dev.marathon.mesos"
SHOW = ("ls -l /etc/resolv.conf; echo \"size $(stat -L -c %%s /etc/resolv.conf 2>&1)\"; "
        "grep -v '^#' /etc/resolv.conf | grep .; echo '-- /run/systemd/resolve:'; ls -l /run/systemd/resolve 2>&1; "
        "echo '-- state:'; ls -l /var/lib/mesos-dns-agent 2>&1; "
        "echo \"-- getent hosts %s: $(getent hosts %s || echo 'not found')\"; "
        "echo \"-- active: agent $(systemctl is-active mesos-dns-agent), resolved $(systemctl is-active systemd-resolved)\""
        % (NAME, NAME))


def main():
    scenario = sys.argv[1] if len(sys.argv) > 1 else "running"
    deb = os.environ.get("MDNS_DEB") or sorted(glob.glob(os.path.join(REPO, "build-pkg", "mesos-dns-agent_*.deb")),
                                               key=os.path.getmtime)[-1]
    state = app_state("127.0.0.1:5050", "myapp.dev", task_ips=["10.1.0.1"])
    node = nodes.Node("resolved", packages=nodes.root_packages(deb, extra=["systemd-resolved"]), resolv_conf=None)

    def show(label):
        print("\n## %s\n%s" % (label, node.run(SHOW, check=False).stdout), flush=True)

    node.prepare()
    try:
        node.boot()
        node.start_fake_master(state)
        show("booted, before install")
        node.install_deb(deb)
        time.sleep(1)
        show("after apt install")
        if scenario == "disabled":
            node.run("systemctl disable --now systemd-resolved", check=False)
            node.poweroff()
            node.boot()
            node.start_fake_master(state)
            time.sleep(2)
            show("after reboot with resolved disabled (its /etc/resolv.conf link left dangling)")
        node.run(["systemctl", "stop", "mesos-dns-agent"])
        show("after systemctl stop")
        node.run(["systemctl", "start", "mesos-dns-agent"])
        time.sleep(1)
        show("after systemctl start")
        node.run(["apt-get", "purge", "-y", "mesos-dns-agent"], check=False)
        show("after apt purge")
        node.run("systemctl enable --now systemd-resolved", check=False)
        show("after systemctl enable --now systemd-resolved")
        print("\n## journal of mesos-dns-agent, all boots\n" + node.journal("mesos-dns-agent"))
    finally:
        node.cleanup()


if __name__ == "__main__":
    main()
