#include "storage/sketch_merge.h"

#include <deque>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/hyperloglog.h"

namespace pulse::storage {
namespace {

std::string SketchOfUsers(int from, int to) {
  HyperLogLog h;
  for (int i = from; i < to; ++i) h.Add(absl::StrCat("user-", i));
  return h.Encode();
}

std::string FullMerge(const std::string* existing,
                      const std::vector<std::string>& operands) {
  const std::vector<rocksdb::Slice> slices(operands.begin(), operands.end());
  const rocksdb::Slice existing_slice =
      existing == nullptr ? rocksdb::Slice() : rocksdb::Slice(*existing);
  rocksdb::MergeOperator::MergeOperationInput in(
      rocksdb::Slice("k"), existing == nullptr ? nullptr : &existing_slice,
      slices, nullptr);
  std::string merged;
  rocksdb::Slice unused;
  rocksdb::MergeOperator::MergeOperationOutput out(merged, unused);
  EXPECT_TRUE(SketchMergeOperator().FullMergeV2(in, &out));
  return merged;
}

TEST(SketchMerge, FullMergeIsTheSketchOfTheUnion) {
  // Sparse and dense operands, overlapping, over an existing sketch.
  const std::string existing = SketchOfUsers(0, 50);
  EXPECT_EQ(
      FullMerge(&existing, {SketchOfUsers(40, 3000), SketchOfUsers(10, 20),
                            SketchOfUsers(2500, 6000)}),
      SketchOfUsers(0, 6000));
}

TEST(SketchMerge, FullMergeWithoutExistingValue) {
  EXPECT_EQ(FullMerge(nullptr, {SketchOfUsers(0, 10), SketchOfUsers(5, 30)}),
            SketchOfUsers(0, 30));
}

TEST(SketchMerge, MalformedSketchesCountAsEmpty) {
  const std::string garbage = "\x09garbage";
  EXPECT_EQ(FullMerge(&garbage, {SketchOfUsers(0, 10), "\x02short"}),
            SketchOfUsers(0, 10));
  EXPECT_EQ(FullMerge(nullptr, {garbage}), HyperLogLog().Encode());
}

TEST(SketchMerge, PartialMergeOfOperandsIsTheirUnion) {
  const std::string a = SketchOfUsers(0, 100), b = SketchOfUsers(50, 5000);
  const std::deque<rocksdb::Slice> operands = {rocksdb::Slice(a),
                                               rocksdb::Slice(b)};
  std::string merged;
  ASSERT_TRUE(SketchMergeOperator().PartialMergeMulti(
      rocksdb::Slice("k"), operands, &merged, nullptr));
  EXPECT_EQ(merged, SketchOfUsers(0, 5000));
}

}  // namespace
}  // namespace pulse::storage
