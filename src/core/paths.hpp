#pragma once
// Where streamlab finds the project's own files: the source tree it was built from (with its
// web/dist front ends, data/corpus, deploy/ and bench/ scripts and .local/ tools), each one
// overridable from the environment for a binary run elsewhere.

#include <filesystem>

namespace streamlab::core {

// $STREAMLAB_ROOT, else the source tree of the build.
std::filesystem::path project_root();
// $STREAMLAB_WEB_DIST, else <root>/web/dist (the dashboard's and the report's built front ends).
std::filesystem::path web_dist();
// $STREAMLAB_CORPUS, else <root>/data/corpus/tweets.jsonl (what deploy/local/corpus writes).
std::filesystem::path default_corpus();

}  // namespace streamlab::core
