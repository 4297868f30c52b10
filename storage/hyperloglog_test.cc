#include "storage/hyperloglog.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace pulse::storage {
namespace {

HyperLogLog SketchOfUsers(int from, int to) {
  HyperLogLog h;
  for (int i = from; i < to; ++i) h.Add(absl::StrCat("user-", i));
  return h;
}

TEST(HyperLogLog, EmptySketchEstimatesZero) {
  EXPECT_EQ(HyperLogLog().Estimate(), 0);
}

TEST(HyperLogLog, StableHashIsFixedAcrossBuilds) {
  // Persisted sketches depend on these exact values never changing.
  EXPECT_EQ(StableHash64(""), 0xefd01f60ba992926ull);
  EXPECT_EQ(StableHash64("user-1"), 0x41a2fca5c68401c5ull);
}

TEST(HyperLogLog, SmallCountsAreNearlyExact) {
  EXPECT_NEAR(SketchOfUsers(0, 100).Estimate(), 100, 3);
}

TEST(HyperLogLog, RepeatedUsersCountOnce) {
  HyperLogLog h = SketchOfUsers(0, 500);
  h.Merge(SketchOfUsers(0, 500));
  for (int i = 0; i < 500; ++i) h.Add(absl::StrCat("user-", i));
  EXPECT_NEAR(h.Estimate(), 500, 500 * 0.05);
}

TEST(HyperLogLog, HundredThousandUsersWithinThreeSigma) {
  // 3 sigma of 1.04 / sqrt(4096) is about 5%.
  EXPECT_NEAR(SketchOfUsers(0, 100'000).Estimate(), 100'000, 5'000);
}

TEST(HyperLogLog, StaysSparseWhileSmallThenTurnsDense) {
  HyperLogLog h = SketchOfUsers(0, 200);
  EXPECT_FALSE(h.is_dense());
  EXPECT_EQ(h.Encode()[0], HyperLogLog::kSparseTag);
  EXPECT_LT(h.Encode().size(), 1000u);
  const double sparse_estimate = h.Estimate();
  for (int i = 200; i < 5'000; ++i) h.Add(absl::StrCat("user-", i));
  EXPECT_TRUE(h.is_dense());
  EXPECT_EQ(h.Encode()[0], HyperLogLog::kDenseTag);
  EXPECT_EQ(h.Encode().size(), 1u + HyperLogLog::kNumRegisters);
  EXPECT_NEAR(sparse_estimate, 200, 10);
  EXPECT_NEAR(h.Estimate(), 5'000, 250);
}

// The textbook estimate, register by register, from the encoded registers.
double ReferenceEstimate(const std::string& encoded) {
  constexpr double m = HyperLogLog::kNumRegisters;
  std::vector<int> registers(HyperLogLog::kNumRegisters, 0);
  if (encoded[0] == HyperLogLog::kDenseTag) {
    for (size_t i = 1; i < encoded.size(); ++i)
      registers[i - 1] = static_cast<uint8_t>(encoded[i]);
  } else {
    for (size_t i = 3; i + 2 < encoded.size(); i += 3) {
      const int reg = (static_cast<uint8_t>(encoded[i]) << 8) |
                      static_cast<uint8_t>(encoded[i + 1]);
      registers[reg] = static_cast<uint8_t>(encoded[i + 2]);
    }
  }
  double sum = 0;
  int zeros = 0;
  for (int r : registers) {
    sum += std::pow(2.0, -r);
    zeros += r == 0;
  }
  const double raw = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
  if (raw <= 2.5 * m && zeros > 0) return m * std::log(m / zeros);
  return raw;
}

TEST(HyperLogLog, EstimateIsTheTextbookFormulaInBothForms) {
  for (int n : {1, 50, 2'000, 9'000, 100'000}) {
    const HyperLogLog h = SketchOfUsers(0, n);
    EXPECT_NEAR(h.Estimate(), ReferenceEstimate(h.Encode()), 1e-9 * n) << n;
  }
}

TEST(HyperLogLog, EncodingRoundTripsInBothForms) {
  for (int n : {0, 50, 3'000}) {
    const HyperLogLog h = SketchOfUsers(0, n);
    HyperLogLog back;
    ASSERT_TRUE(back.Decode(h.Encode())) << n;
    EXPECT_EQ(back.Encode(), h.Encode()) << n;
    EXPECT_EQ(back.Estimate(), h.Estimate()) << n;
  }
}

TEST(HyperLogLog, MergeOfTwoSketchesEqualsSketchOfTheUnion) {
  for (auto [a_end, b_end] : {std::pair{300, 600}, std::pair{300, 20'000},
                              std::pair{9'000, 20'000}}) {
    std::string merged;
    ASSERT_TRUE(MergeSketches(SketchOfUsers(0, a_end).Encode(),
                              SketchOfUsers(a_end / 2, b_end).Encode(),
                              &merged));
    EXPECT_EQ(merged, SketchOfUsers(0, b_end).Encode())
        << a_end << " " << b_end;
  }
}

// SketchUnion must be a faster Merge, not another one: the same registers and
// the same bytes (the sketches are stored).
TEST(SketchUnion, EncodesAsMergingOneByOne) {
  std::string dense_few(1 + HyperLogLog::kNumRegisters, '\0');
  dense_few[0] = static_cast<char>(HyperLogLog::kDenseTag);
  dense_few[1 + 7] = 3;  // a dense sketch with one register set
  const std::vector<std::vector<std::string>> cases = {
      {},
      {SketchOfUsers(0, 10).Encode()},
      // 200 operands of 5 users each: the union passes the sparse limit
      // (1,024 registers) part way.
      [] {
        std::vector<std::string> v;
        for (int i = 0; i < 200; ++i)
          v.push_back(SketchOfUsers(5 * i, 5 * i + 5).Encode());
        return v;
      }(),
      // Overlapping, sparse beside dense, and a malformed one that counts as
      // nothing.
      {SketchOfUsers(0, 300).Encode(), "garbage",
       SketchOfUsers(200, 20'000).Encode(), SketchOfUsers(100, 400).Encode()},
      // A dense input keeps the union dense, however few registers are set.
      {SketchOfUsers(0, 3).Encode(), dense_few},
  };
  for (size_t c = 0; c < cases.size(); ++c) {
    HyperLogLog merged, scratch;
    SketchUnion sketch_union;
    for (const std::string& operand : cases[c]) {
      const bool ok = scratch.Decode(operand);
      EXPECT_EQ(sketch_union.Add(operand), ok) << c;
      merged.Merge(scratch);  // a failed decode left scratch empty
    }
    const HyperLogLog result = sketch_union.Sketch();
    EXPECT_EQ(result.Encode(), merged.Encode()) << c;
    EXPECT_EQ(result.is_dense(), merged.is_dense()) << c;
    EXPECT_EQ(result.Estimate(), merged.Estimate()) << c;
  }
}

TEST(HyperLogLog, MalformedEncodingsAreRejected) {
  HyperLogLog h;
  EXPECT_FALSE(h.Decode("\x07"));
  EXPECT_FALSE(
      h.Decode(std::string("\x01\x00\x02\x00\x01\x01", 6)));  // truncated
  EXPECT_FALSE(h.Decode(
      std::string("\x01\x00\x01\xff\xff\x01", 6)));  // register out of range
  EXPECT_FALSE(h.Decode(
      std::string("\x01\x00\x02\x00\x05\x01\x00\x04\x01", 9)));  // unsorted
  EXPECT_FALSE(h.Decode(std::string("\x02\x01", 2)));            // short dense
  EXPECT_TRUE(h.empty());
}

TEST(HyperLogLog, MergeTreatsAMalformedSideAsEmpty) {
  const std::string good = SketchOfUsers(0, 10).Encode();
  std::string merged;
  ASSERT_TRUE(MergeSketches("garbage", good, &merged));
  EXPECT_EQ(merged, good);
  EXPECT_FALSE(MergeSketches("garbage", "\x09", &merged));
}

}  // namespace
}  // namespace pulse::storage
