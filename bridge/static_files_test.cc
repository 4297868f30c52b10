#include "bridge/static_files.h"

#include <fstream>

#include "gtest/gtest.h"
#include "tests/server_process.h"

namespace pulse::bridge {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(dir_.path()) / "web";
    fs::create_directories(root_ / "assets");
    std::ofstream(root_ / "index.html") << "<h1>pulse</h1>";
    std::ofstream(root_ / "assets" / "app.js") << "let x = 1;";
    std::ofstream(fs::path(dir_.path()) / "secret.txt") << "secret";
    fs::create_symlink(fs::path(dir_.path()) / "secret.txt",
                       root_ / "link.txt");
  }
  pulse::testing::TempDir dir_;
  fs::path root_;
};

TEST_F(StaticFilesTest, RootAndDirectoriesMeanIndexHtml) {
  EXPECT_EQ(ResolvePath(root_, "/")->filename(), "index.html");
  EXPECT_EQ(ResolvePath(root_, "/?v=1")->filename(), "index.html");
  EXPECT_EQ(ResolvePath(root_, "/assets/app.js")->filename(), "app.js");
  EXPECT_EQ(ResolvePath(root_, "/assets/%61pp.js")->filename(), "app.js");
}

TEST_F(StaticFilesTest, TraversalIsRefused) {
  for (const char* target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
        "/assets/../../secret.txt", "/..%5csecret.txt", "..", "secret.txt",
        "/link.txt", "/%00"}) {
    EXPECT_FALSE(ResolvePath(root_, target).ok()) << target;
  }
  // An absolute path is taken under the root, not from "/".
  EXPECT_TRUE(absl::IsNotFound(ResolvePath(root_, "//etc/passwd").status()));
  EXPECT_TRUE(
      absl::IsNotFound(ResolvePath(root_, "/%2fetc%2fpasswd").status()));
}

TEST_F(StaticFilesTest, ContentTypesAndCacheHeadersFollowTheExtension) {
  EXPECT_EQ(ContentType("a.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentType("a.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentType("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentType("a.bin"), "application/octet-stream");
  EXPECT_EQ(CacheControl("index.html"), "no-cache");
  EXPECT_EQ(CacheControl("app.js"), "public, max-age=300");
}

TEST_F(StaticFilesTest, ServesBodiesAndRevalidatesByEtag) {
  StaticFiles files(root_.string());
  StaticResponse r = files.Serve("/assets/app.js", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "let x = 1;");
  ASSERT_FALSE(r.etag.empty());
  EXPECT_EQ(files.Serve("/assets/app.js", r.etag).status, 304);
  EXPECT_EQ(files.Serve("/missing.js", "").status, 404);
  EXPECT_EQ(files.Serve("/../secret.txt", "").status, 400);
}

}  // namespace
}  // namespace pulse::bridge
