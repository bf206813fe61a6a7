#include "detail/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>

extern char** environ;

namespace pyresolve::index::detail {
namespace {

constexpr std::size_t kept_stderr = 8192;

struct pipe_pair {
  int read = -1;
  int write = -1;
  ~pipe_pair() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
};

result<void> open_pipe(pipe_pair& p) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0)
    return fail(errc::io_error, std::string("pipe: ") + std::strerror(errno));
  p.read = fds[0];
  p.write = fds[1];
  return {};
}

}  // namespace

result<subprocess_result> run_subprocess(const std::vector<std::string>& argv,
                                         const subprocess_options& options) {
  if (argv.empty()) return fail(errc::invalid_argument, "no program to run");
  // The environment: the caller's, with the options' entries replacing same-named ones.
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    env[entry.substr(0, entry.find('='))] = entry;
  }
  for (const auto& entry : options.environment) env[entry.substr(0, entry.find('='))] = entry;
  std::vector<char*> envp;
  for (auto& [name, entry] : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);

  pipe_pair out_pipe;
  pipe_pair err_pipe;
  if (auto ok = open_pipe(out_pipe); !ok) return unexpected(std::move(ok).error());
  if (auto ok = open_pipe(err_pipe); !ok) return unexpected(std::move(ok).error());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe.write, 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe.write, 2);
  if (!options.working_directory.empty())
    posix_spawn_file_actions_addchdir_np(&actions, options.working_directory.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so that a timeout ends whatever it started too.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, argp[0], &actions, &attr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) return fail(errc::io_error, "cannot run " + argv[0] + ": " + std::strerror(spawned));
  ::close(out_pipe.write);
  out_pipe.write = -1;
  ::close(err_pipe.write);
  err_pipe.write = -1;

  subprocess_result res;
  std::string failure;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::array<char, 65536> buffer{};
  std::array<pollfd, 2> fds{pollfd{out_pipe.read, POLLIN, 0}, pollfd{err_pipe.read, POLLIN, 0}};
  int open_count = 2;
  while (open_count > 0 && failure.empty()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      failure = argv[0] + " did not finish within " + std::to_string(options.timeout.count() / 1000) + " s";
      break;
    }
    const int ready =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) {
      failure = std::string("poll: ") + std::strerror(errno);
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n <= 0) {
        fds[i].fd = -1;
        --open_count;
        continue;
      }
      std::string& into = i == 0 ? res.out : res.err;
      into.append(buffer.data(), static_cast<std::size_t>(n));
      if (i == 0 && res.out.size() > options.max_output) {
        failure = argv[0] + " wrote more than " + std::to_string(options.max_output >> 20U) + " MiB";
      } else if (i == 1 && res.err.size() > 2 * kept_stderr) {
        res.err.erase(0, res.err.size() - kept_stderr);
      }
    }
  }
  // A program may close its output and go on running: the deadline holds for the wait too.
  int status = 0;
  while (failure.empty()) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      failure = argv[0] + " did not finish within " + std::to_string(options.timeout.count() / 1000) + " s";
      break;
    }
    ::usleep(10'000);
  }
  if (!failure.empty()) {
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (!failure.empty()) return fail(errc::io_error, failure);
  if (res.err.size() > kept_stderr) res.err.erase(0, res.err.size() - kept_stderr);
  res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return res;
}

}  // namespace pyresolve::index::detail
