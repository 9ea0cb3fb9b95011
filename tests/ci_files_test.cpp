// The CI files a user copies (ci/github-actions.yml, ci/kubernetes-indexed-job.yaml; docs/ci.md):
// no runner or cluster here, so each file is parsed, its shard command is run as separate local
// processes with the index each engine would give them, and its merge command must give the
// report of the whole run.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

std::string quoted(const std::string& s) { return "'" + replaced(s, "'", "'\\''") + "'"; }

// Runs `command` with sh in `dir`, with the environment given; the exit code.
int sh(const fs::path& dir, const std::string& env, const std::string& command) {
  const std::string line = "cd " + quoted(dir.string()) + " && " + env + " sh -c " + quoted(command) + " >/dev/null 2>&1";
  const int status = std::system(line.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Sandbox {
  fs::path dir;
  std::string env;
  std::string whole_md;  // the report of the whole run, to compare with the merged shards
  Sandbox(const std::string& name) {
    dir = fs::temp_directory_path() / ("idemsim-ci-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "scenarios");
    for (const char* f : {"baseline.yaml", "no-token-response-loss.yaml", "rules/rule7-inflight+record-after-launch.yaml"})
      fs::copy_file(fs::path(IDEMSIM_SOURCE_DIR) / "scenarios" / f, dir / "scenarios" / fs::path(f).filename());
    // One scenario that does not meet its expect (a duplicate launch, expected not to happen):
    // the merge step must still write every report, and fail.
    std::ofstream(dir / "scenarios" / "not-met.yaml")
        << replaced(read(fs::path(IDEMSIM_SOURCE_DIR) / "scenarios" / "no-token-response-loss.yaml"), "expect: fail", "expect: pass");
    env = "SCENARIOS=" + quoted((dir / "scenarios").string()) + " RUNS=10";
    EXPECT_EQ(sh(dir, env, std::string(IDEMSIM_BINARY) + " run \"$SCENARIOS\" --runs \"$RUNS\" --out whole"), 1);
    EXPECT_EQ(sh(dir, "", std::string(IDEMSIM_BINARY) + " report whole --format md --out whole.md"), 1);
    whole_md = read(dir / "whole.md");
    EXPECT_NE(whole_md.find("| Scenario |"), std::string::npos);
  }
  ~Sandbox() { fs::remove_all(dir); }
};

}  // namespace

TEST(CiFiles, GitHubActionsShardsMergeIntoTheWholeReport) {
  const YAML::Node wf = YAML::LoadFile(IDEMSIM_SOURCE_DIR "/ci/github-actions.yml");
  const YAML::Node matrix = wf["jobs"]["shard"]["strategy"]["matrix"]["shard"];
  ASSERT_TRUE(matrix.IsSequence());
  const int shards = static_cast<int>(matrix.size());
  ASSERT_GE(shards, 2);
  EXPECT_EQ(wf["env"]["SHARDS"].as<int>(), shards) << "SHARDS must be the matrix's size";
  std::string run, merge;
  for (const auto& step : wf["jobs"]["shard"]["steps"])
    if (step["run"] && step["run"].as<std::string>().find("idemsim run") != std::string::npos) run = step["run"].as<std::string>();
  for (const auto& step : wf["jobs"]["report"]["steps"])
    if (step["run"] && step["run"].as<std::string>().find("idemsim report") != std::string::npos) merge = step["run"].as<std::string>();
  ASSERT_FALSE(run.empty());
  ASSERT_FALSE(merge.empty());
  ASSERT_EQ(wf["jobs"]["report"]["needs"].as<std::string>(), "shard");

  Sandbox box("gha");
  for (int k = 0; k < shards; ++k) {
    const int shard = matrix[k].as<int>();
    const std::string cmd = replaced(replaced(run, "${{ matrix.shard }}", std::to_string(shard)), "build/idemsim", IDEMSIM_BINARY);
    ASSERT_LE(sh(box.dir, box.env + " SHARDS=" + std::to_string(shards), cmd), 1) << cmd;
    // download-artifact puts each shard's artifact under results/<its name>.
    fs::create_directories(box.dir / "results");
    fs::rename(box.dir / ("results-" + std::to_string(shard)), box.dir / "results" / ("results-" + std::to_string(shard)));
  }
  // The whole step, as GitHub runs it (bash -e): it fails, as a scenario did not meet its
  // expect, after writing every report.
  EXPECT_EQ(sh(box.dir, "", "bash --noprofile --norc -eo pipefail -c " + quoted(replaced(merge, "build/idemsim", IDEMSIM_BINARY))), 1)
      << merge;
  EXPECT_EQ(read(box.dir / "report.md"), box.whole_md);
  EXPECT_TRUE(fs::exists(box.dir / "report.xml"));
  EXPECT_NE(read(box.dir / "report.html").find("<svg class=\"timeline\""), std::string::npos);
}

TEST(CiFiles, KubernetesIndexedJobShardsMergeIntoTheWholeReport) {
  const std::vector<YAML::Node> docs = YAML::LoadAllFromFile(IDEMSIM_SOURCE_DIR "/ci/kubernetes-indexed-job.yaml");
  ASSERT_EQ(docs.size(), 2u);
  const YAML::Node& job = docs[0];
  EXPECT_EQ(job["kind"].as<std::string>(), "Job");
  EXPECT_EQ(job["spec"]["completionMode"].as<std::string>(), "Indexed");
  const int shards = job["spec"]["completions"].as<int>();
  EXPECT_EQ(job["spec"]["parallelism"].as<int>(), shards);
  const YAML::Node container = job["spec"]["template"]["spec"]["containers"][0];
  int env_shards = 0;
  for (const auto& e : container["env"])
    if (e["name"].as<std::string>() == "SHARDS") env_shards = std::stoi(e["value"].as<std::string>());
  EXPECT_EQ(env_shards, shards) << "SHARDS must be the completions";
  const std::string run = container["command"][2].as<std::string>();
  const std::string merge = docs[1]["spec"]["template"]["spec"]["containers"][0]["command"][2].as<std::string>();
  EXPECT_EQ(container["command"][0].as<std::string>(), "sh");

  Sandbox box("k8s");
  const std::string program = std::string(IDEMSIM_BINARY) + " ";
  const std::string results = (box.dir / "results").string();
  fs::create_directories(results);
  auto local = [&](const std::string& cmd) { return replaced(replaced(cmd, "idemsim ", program), "/results", results); };
  for (int index = 0; index < shards; ++index)
    ASSERT_EQ(sh(box.dir, box.env + " SHARDS=" + std::to_string(shards) + " JOB_COMPLETION_INDEX=" + std::to_string(index), local(run)), 0)
        << local(run);
  EXPECT_EQ(sh(box.dir, "", local(merge)), 1) << local(merge);  // a scenario did not meet its expect
  EXPECT_EQ(read(box.dir / "results" / "report.md"), box.whole_md);
  EXPECT_TRUE(fs::exists(box.dir / "results" / "report.xml"));
  EXPECT_NE(read(box.dir / "results" / "report.html").find("<svg class=\"timeline\""), std::string::npos);
}
