#pragma once
// Where streamlab finds the files it reads at run time (the web/dist front ends, bench/baselines,
// deploy/ scripts, data/corpus, and the .local/ tools the services script installs): an
// installed binary under <prefix>/share/streamlab beside its bin/, a binary in its build tree
// under the source tree it was built from; each overridable from the environment.

#include <filesystem>

namespace streamlab::core {

// $STREAMLAB_ROOT, else installed_root() of this executable when there is one, else the source
// tree of the build.
std::filesystem::path project_root();
// <exe's dir>/../share/streamlab when that directory exists (what `cmake --install` and the .deb
// lay out), else empty.
std::filesystem::path installed_root(const std::filesystem::path& executable);
// $STREAMLAB_WEB_DIST, else <root>/web/dist (the dashboard's and the report's built front ends).
std::filesystem::path web_dist();
// $STREAMLAB_CORPUS, else <root>/data/corpus/tweets.jsonl (what deploy/local/corpus writes).
std::filesystem::path default_corpus();

}  // namespace streamlab::core
