"""What the .deb and the .rpm hold and declare, as an operator (and lintian, rpmlint) sees them: the
files, the conffile, the dependencies on the shared libraries, a stripped binary, a default config the
agent accepts, a manual page that documents the real command line."""
import gzip
import json
import os
import re
import unittest

from packages import CONFIG, NAME, STATE_DIR, UNIT, extracted, package, repo_root, require_tools, run

# Every path an installed package must bring, the same on both (the unit folder differs).
COMMON_FILES = {
    "/usr/sbin/mesos-dns-agent",
    CONFIG,
    "/usr/share/man/man8/mesos-dns-agent.8.gz",
    "/usr/share/doc/mesos-dns-agent/README.md",
    "/usr/share/doc/mesos-dns-agent/copyright",
    "/usr/share/doc/mesos-dns-agent/changelog.Debian.gz",
    STATE_DIR,
}
DEB_UNIT = "/lib/systemd/system/" + UNIT
RPM_UNIT = "/usr/lib/systemd/system/" + UNIT


def deb_paths():
    """dpkg-deb -c: {path: (mode string, owner)}."""
    paths = {}
    for line in run(["dpkg-deb", "-c", package(1, "deb")]).stdout.splitlines():
        fields = line.split()
        path = fields[5][1:].rstrip("/") or "/"
        paths[path] = (fields[0], fields[1])
    return paths


class DebianPackageTest(unittest.TestCase):
    def setUp(self):
        require_tools("dpkg-deb")

    def test_deb_holds_binary_unit_config_man_page_docs_and_state_folder(self):
        paths = deb_paths()
        for path in COMMON_FILES | {DEB_UNIT}:
            with self.subTest(path=path):
                self.assertIn(path, paths)
        self.assertEqual(paths["/usr/sbin/mesos-dns-agent"], ("-rwxr-xr-x", "root/root"))
        self.assertEqual(paths[STATE_DIR], ("drwxr-xr-x", "root/root"))
        self.assertEqual(paths[CONFIG], ("-rw-r--r--", "root/root"))
        self.assertNotIn(RPM_UNIT, paths)
        self.assertFalse([p for p in paths if p.startswith("/usr/local")], "nothing under /usr/local")

    def test_deb_ships_the_repository_unit(self):
        with open(os.path.join(repo_root(), "systemd", UNIT)) as f, \
                open(os.path.join(extracted(1), DEB_UNIT.lstrip("/"))) as g:
            self.assertEqual(f.read(), g.read(), "the unit tests/e2e/test_systemd_units.py verifies is the one shipped")

    def test_config_is_a_conffile(self):
        conffiles = run(["dpkg-deb", "-I", package(1, "deb"), "conffiles"]).stdout.split()
        self.assertEqual(conffiles, [CONFIG])

    def test_control_fields(self):
        fields = dict(re.findall(r"^(\S+): (.*)$", run(["dpkg-deb", "-f", package(1, "deb")]).stdout, re.M))
        self.assertEqual(fields["Package"], NAME)
        self.assertEqual(fields["Section"], "net")
        self.assertEqual(fields["Architecture"], run(["dpkg", "--print-architecture"]).stdout.strip())
        self.assertRegex(fields["Version"], r"^\d+\.\d+\.\d+-1$")
        for key in ("Maintainer", "Homepage", "Description"):
            self.assertTrue(fields.get(key), key)

    def test_depends_on_every_shared_library_the_agent_links(self):
        depends = run(["dpkg-deb", "-f", package(1, "deb"), "Depends"]).stdout
        names = {d.split()[0] for d in depends.split(", ")}
        for lib in ("libevent-2.1-7", "libevent-pthreads-2.1-7", "libcurl4", "libsystemd0", "libc6"):
            self.assertIn(lib, names, depends)
        binary = os.path.join(extracted(1), "usr/sbin/mesos-dns-agent")
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+)\]", run(["readelf", "-d", binary]).stdout)
        self.assertTrue(needed)
        for soname in needed:
            owner = run(["dpkg", "-S", "*/" + soname]).stdout.split(":")[0]
            with self.subTest(soname=soname):
                self.assertIn(owner, names, "%s (from %s) is not in Depends: %s" % (soname, owner, depends))

    def test_binary_is_stripped(self):
        sections = run(["readelf", "-S", os.path.join(extracted(1), "usr/sbin/mesos-dns-agent")]).stdout
        self.assertNotIn(".symtab", sections)
        self.assertNotIn(".debug_info", sections)

    def test_lintian_finds_no_errors(self):
        require_tools("lintian")
        p = run(["lintian", "--pedantic", "--no-tag-display-limit", package(1, "deb")], check=False)
        tags = [line for line in p.stdout.splitlines() if re.match(r"^[EWIPX]: ", line)]
        print("\nlintian: %d tags\n%s" % (len(tags), "\n".join(tags)))
        errors = [t for t in tags if t.startswith("E: ")]
        self.assertEqual(errors, [], p.stdout + p.stderr)
        self.assertIn(p.returncode, (0, 1), p.stderr)  # 1 only with tags, 2 and more: lintian failed


class DefaultConfigTest(unittest.TestCase):
    def setUp(self):
        require_tools("dpkg-deb")
        self.root = extracted(1)
        self.path = os.path.join(self.root, CONFIG.lstrip("/"))

    def test_packaged_agent_accepts_packaged_config(self):
        p = run([os.path.join(self.root, "usr/sbin/mesos-dns-agent"), "-config", self.path, "check"], check=False)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("valid (0 warnings)", p.stdout, p.stdout + p.stderr)

    def test_packaged_config_is_the_repository_one(self):
        with open(os.path.join(repo_root(), "packaging", "config.json")) as f, open(self.path) as g:
            self.assertEqual(f.read(), g.read())

    def test_packaged_config_manages_resolv_conf_on_loopback_port_53(self):
        with open(self.path) as f:
            config = json.load(f)
        self.assertEqual(config["resolvConf"], {"manage": True})
        self.assertEqual(config["port"], 53)
        self.assertEqual(config["listener"], "127.0.0.1")
        self.assertEqual(config["stateDir"], "/var/lib/mesos-dns-agent")

    def test_packaged_agent_reports_its_version(self):
        p = run([os.path.join(self.root, "usr/sbin/mesos-dns-agent"), "-version"])
        version = run(["dpkg-deb", "-f", package(1, "deb"), "Version"]).stdout.strip()
        self.assertEqual(p.stdout.strip(), "mesos-dns-agent " + version.rsplit("-", 1)[0])


class ManualPageTest(unittest.TestCase):
    def setUp(self):
        require_tools("dpkg-deb")
        with gzip.open(os.path.join(extracted(1), "usr/share/man/man8/mesos-dns-agent.8.gz"), "rt") as f:
            self.troff = f.read()
        self.text = self.troff.replace("\\-", "-").replace("\\fB", "").replace("\\fR", "")

    def test_documents_every_option_and_command_of_the_usage(self):
        usage = run([os.path.join(extracted(1), "usr/sbin/mesos-dns-agent"), "-help"]).stdout
        options = re.findall(r"^  (-[a-z]+)", usage, re.M)
        commands = re.findall(r"^  ([a-z][a-z-]+(?: [a-z]+)?)", usage, re.M)
        self.assertIn("-config", options)
        self.assertIn("resolvconf restore", commands)
        for word in options + commands:
            with self.subTest(word=word):
                self.assertRegex(self.text, r"(?m)^\.(B|BI|BR)\b[^\n]*" + re.escape(word))

    def test_has_the_sections_an_operator_looks_for(self):
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "CONFIGURATION", "FILES",
                        "SIGNALS", "EXIT STATUS", "SEE ALSO"):
            with self.subTest(section=section):
                self.assertRegex(self.troff, r"(?m)^\.SH \"?%s\"?$" % section)
        for path in (CONFIG, STATE_DIR, "/etc/resolv.conf"):
            self.assertIn(path, self.text)

    def test_names_the_packaged_version(self):
        version = run(["dpkg-deb", "-f", package(1, "deb"), "Version"]).stdout.strip().rsplit("-", 1)[0]
        self.assertRegex(self.troff.splitlines()[0], r'^\.TH MESOS-DNS-AGENT 8 "[^"]*" "mesos-dns-agent %s"'
                         % re.escape(version))

    def test_groff_reports_no_warnings(self):
        require_tools("groff")
        p = run(["groff", "-man", "-ww", "-z"], input=self.troff, check=False)
        self.assertEqual((p.returncode, p.stderr), (0, ""))


class RpmPackageTest(unittest.TestCase):
    def setUp(self):
        require_tools("rpm")
        self.rpm = package(1, "rpm")

    def test_rpm_holds_the_same_files_with_the_unit_in_usr_lib(self):
        files = set(run(["rpm", "-qlp", self.rpm]).stdout.split())
        for path in COMMON_FILES | {RPM_UNIT}:
            with self.subTest(path=path):
                self.assertIn(path, files)
        self.assertNotIn(DEB_UNIT, files)
        for shared in ("/etc", "/usr/sbin", "/var/lib", "/usr/lib/systemd/system", "/usr/share/man/man8"):
            self.assertNotIn(shared, files, "the distribution's folders belong to its filesystem package")

    def test_config_is_noreplace(self):
        self.assertEqual(run(["rpm", "-qp", "--configfiles", self.rpm]).stdout.split(), [CONFIG])
        flags = run(["rpm", "-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS:fflags}\n]", self.rpm]).stdout
        self.assertRegex(flags, r"(?m)^%s cn$" % re.escape(CONFIG), flags)

    def test_requires_the_shared_libraries(self):
        requires = run(["rpm", "-qpR", self.rpm]).stdout
        for soname in ("libevent-2.1.so.7", "libcurl.so.4", "libsystemd.so.0"):
            self.assertIn(soname, requires)
        # Debian's own symbol version of libcurl would make the package uninstallable elsewhere.
        self.assertNotIn("CURL_OPENSSL_4", requires)

    def test_metadata(self):
        info = run(["rpm", "-qpi", self.rpm]).stdout
        self.assertRegex(info, r"(?m)^License\s*: Apache-2.0$")
        self.assertRegex(info, r"(?m)^Release\s*: 1$")
        self.assertRegex(info, r"(?m)^URL\s*: https?://")

    def test_rpmlint_finds_no_errors_but_the_missing_signature(self):
        require_tools("rpmlint")
        p = run(["rpmlint", self.rpm], check=False)
        print("\nrpmlint:\n" + p.stdout)
        errors = [line for line in p.stdout.splitlines() if ": E: " in line and "no-signature" not in line]
        self.assertEqual(errors, [], p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
