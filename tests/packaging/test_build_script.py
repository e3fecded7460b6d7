"""packaging/build-packages.sh installs what the build needs: at least what the demo's build
(packaging/demo/run.sh, the same binary) installs, so that a new build dependency added there is not
forgotten here (the packaging tests would not see it: tests/run-all.sh installs everything first)."""
import os
import re
import unittest

from packages import repo_root

RUNTIME_ONLY = {"dnsutils"}  # the demo's dig


def apt_packages(script):
    """The packages of the script's `bash packaging/apt-install.sh ...` line(s)."""
    with open(os.path.join(repo_root(), script)) as f:
        text = f.read().replace("\\\n", " ")
    found = re.findall(r"^\s*bash packaging/apt-install\.sh (.+)$", text, re.M)
    return {word for line in found for word in line.split()}


class BuildScriptTest(unittest.TestCase):
    def test_installs_every_build_dependency_of_the_demo(self):
        demo = apt_packages("packaging/demo/run.sh") - RUNTIME_ONLY
        self.assertIn("cmake", demo)
        missing = demo - apt_packages("packaging/build-packages.sh")
        self.assertEqual(missing, set(), "packaging/build-packages.sh does not install them")

    def test_installs_the_packaging_tools(self):
        self.assertLessEqual({"dpkg-dev", "rpm"}, apt_packages("packaging/build-packages.sh"))


if __name__ == "__main__":
    unittest.main()
