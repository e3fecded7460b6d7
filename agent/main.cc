// mesos-dns-agent: command line.
#include <malloc.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/commands.h"
#include "agent/log.h"
#include "common/config.h"
#include "version.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/mesos-dns-agent/config.json";

void usage(FILE* out) {
  std::fprintf(out,
               "usage: mesos-dns-agent [-config PATH] [-v] [COMMAND]\n"
               "\n"
               "Serves the Mesos cluster's DNS names (mesos-dns naming) on this node.\n"
               "\n"
               "options:\n"
               "  -config PATH   config.json (mesos-dns keys; default %s)\n"
               "  -v             verbose log (debug lines)\n"
               "  -version       print the version and exit\n"
               "  -help          this text\n"
               "\n"
               "commands:\n"
               "  (none)         run the agent in the foreground, logging to stderr\n"
               "  dump-zone      load the records once from the configured source and print them\n"
               "                 as a BIND zone file\n"
               "  check          validate the config and exit: 0 when valid, 1 with every problem named\n"
               "  reload PID     validate the config, then have the agent PID read it (SIGHUP); the\n"
               "                 service's ExecReload runs it, so that systemctl reload fails on a bad config\n"
               "  resolvconf restore   put resolv.conf back as it was without the agent (after a crash;\n"
               "                 the service's ExecStopPost runs it)\n"
               "  resolvconf apply     put the agent first in resolv.conf, if it answers on its listener\n"
               "  resolvconf show      print resolv.conf, its kept original and what the agent writes\n",
               kDefaultConfig);
}

}  // namespace

int main(int argc, char** argv) {
  // Blocks of 128 KiB and more (the record set's and answer table's arrays) always get their own
  // mappings, handed back when freed. glibc would otherwise raise this threshold after the first
  // such free, and later arrays would land in the heap, whose freed pages between live ones stay
  // resident: at 10,000 tasks 10 MiB more resident memory, depending on the order of frees.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  std::string configPath = kDefaultConfig;
  bool verbose = false;
  std::vector<std::string> commands;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) == 0) arg.erase(0, 1);  // Go flags: -x and --x are the same
    std::string value;
    bool hasValue = false;
    if (arg.size() > 1 && arg[0] == '-') {
      const auto eq = arg.find('=');
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        hasValue = true;
      }
    }
    if (arg == "-config") {
      if (!hasValue) {
        if (i + 1 >= argc) {
          std::fprintf(stderr, "mesos-dns-agent: -config needs a path\n");
          usage(stderr);
          return 2;
        }
        value = argv[++i];
      }
      configPath = value;
    } else if (arg == "-version") {
      std::printf("mesos-dns-agent %s\n", MDNS_VERSION);
      return 0;
    } else if (arg == "-v" || arg == "-vv") {
      verbose = true;
    } else if (arg == "-help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "mesos-dns-agent: unknown flag %s\n", argv[i]);
      usage(stderr);
      return 2;
    } else {
      commands.push_back(arg);
    }
  }
  const bool known = commands.empty() ||
                     (commands.size() == 1 && (commands[0] == "dump-zone" || commands[0] == "check")) ||
                     (commands.size() == 2 && commands[0] == "reload") ||
                     (commands.size() == 2 && commands[0] == "resolvconf" &&
                      (commands[1] == "restore" || commands[1] == "apply" || commands[1] == "show"));
  if (!known) {
    std::string given;
    for (const auto& c : commands) given += (given.empty() ? "" : " ") + c;
    std::fprintf(stderr, "mesos-dns-agent: unknown command \"%s\"\n", given.c_str());
    usage(stderr);
    return 2;
  }
  mdns::log::setup(verbose);

  std::ifstream in(configPath, std::ios::binary);
  if (!in) {
    mdns::log::error(configPath + ": cannot read the config file: " + std::strerror(errno));
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  const auto parsed = mdns::parseConfig(text.str(), configPath);
  for (const auto& w : parsed.warnings) mdns::log::warning(w);
  if (!parsed.config) {
    for (const auto& e : parsed.errors) mdns::log::error(e);
    mdns::log::error((commands.empty() || commands[0] != "reload" ? "refusing to start: the config has "
                                                                  : "not reloading: the config has ") +
                     std::to_string(parsed.errors.size()) + " error(s); the agent keeps the one it runs");
    return 1;
  }
  if (!commands.empty() && commands[0] == "reload") {
    return mdns::reloadCommand(commands[1]);
  }
  if (!commands.empty() && commands[0] == "check") {
    std::printf("%s: valid (%zu warning%s)\n", configPath.c_str(), parsed.warnings.size(),
                parsed.warnings.size() == 1 ? "" : "s");
    return 0;
  }
  if (!commands.empty() && commands[0] == "resolvconf") return mdns::resolvConfCommand(*parsed.config, commands[1]);
  if (!commands.empty()) return mdns::dumpZone(*parsed.config);
  return mdns::runAgent(*parsed.config);
}
