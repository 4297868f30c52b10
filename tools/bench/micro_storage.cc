// Microbenchmarks of pulse_storage's write hot path: key encoding, batch
// pre-aggregation and HyperLogLog sketches.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "rocksdb/write_batch.h"
#include "storage/batch_aggregator.h"
#include "storage/hyperloglog.h"
#include "storage/key_codec.h"
#include "storage/sketch_merge.h"

namespace pulse::storage {
namespace {

std::vector<std::string> Ids(const std::string& prefix, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back(absl::StrCat(prefix, i));
  return ids;
}

void BM_EncodeCounterKey(benchmark::State& state) {
  const std::vector<std::string> ids = Ids("post-1-", 1024);
  std::string out;
  size_t i = 0;
  for (auto _ : state) {
    out.clear();
    CounterKey key;
    key.scope = Scope::kPost;
    key.id = ids[i++ & 1023];
    key.res = Resolution::kMinute;
    key.bucket = 1'700'000'000 + i * 60;
    EncodeCounterKey(key, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeCounterKey);

void BM_DecodeCounterKey(benchmark::State& state) {
  CounterKey key;
  key.scope = Scope::kPost;
  key.id = "post-1-123456";
  key.res = Resolution::kMinute;
  key.bucket = 1'700'000'040;
  const std::string encoded = CounterKeyString(key);
  for (auto _ : state) {
    CounterKey out;
    benchmark::DoNotOptimize(DecodeCounterKey(encoded, &out));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeCounterKey);

// One batch of `range(0)` engagements over `range(1)` distinct posts: the
// work Store::Write does per engagement before RocksDB (post, account,
// hashtag and global counters, user sketches), then AppendTo.
void BM_BatchAggregate(benchmark::State& state) {
  const int events = static_cast<int>(state.range(0));
  const int distinct = static_cast<int>(state.range(1));
  const std::vector<std::string> posts = Ids("post-1-", distinct);
  const std::vector<std::string> accounts = Ids("acct-", 1000);
  const std::vector<std::string> tags = Ids("tag", 500);
  const std::vector<std::string> users = Ids("user-", 100'000);
  const absl::Time t = absl::FromUnixSeconds(1'700'000'000);
  for (auto _ : state) {
    BatchAggregator agg(events);
    for (int i = 0; i < events; ++i) {
      const int p = (i * 7919) % distinct;
      const absl::Time when = t + absl::Milliseconds(i / 10);
      const Slot kind = static_cast<Slot>(i % 5);
      agg.AddCount(Scope::kPost, posts[p], when, kind, 1);
      agg.AddCount(Scope::kAccount, accounts[p % 1000], when, kind, 1);
      agg.AddCount(Scope::kHashtag, tags[p % 500], when, kind, 1);
      agg.AddCount(Scope::kGlobal, {}, when, kind, 1);
      agg.AddUser(Scope::kPost, posts[p], users[(i * 31) % 100'000]);
      agg.AddUser(Scope::kAccount, accounts[p % 1000],
                  users[(i * 31) % 100'000]);
    }
    rocksdb::WriteBatch batch;
    // Null column families write to the default one: fine for timing.
    benchmark::DoNotOptimize(agg.AppendTo(&batch, nullptr, nullptr, nullptr));
    state.counters["batch_bytes"] = static_cast<double>(batch.GetDataSize());
    state.counters["operands"] = static_cast<double>(batch.Count());
  }
  state.SetItemsProcessed(state.iterations() * events);
}
BENCHMARK(BM_BatchAggregate)
    ->Args({1'000, 1'000})
    ->Args({10'000, 1'000})
    ->Args({10'000, 10'000})
    ->Unit(benchmark::kMicrosecond);

void BM_HllAdd(benchmark::State& state) {
  const std::vector<std::string> users = Ids("user-", 1 << 16);
  HyperLogLog hll;
  size_t i = 0;
  for (auto _ : state) hll.Add(users[i++ & 0xFFFF]);
  benchmark::DoNotOptimize(hll.Estimate());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HllAdd);

// Merging two sketches of `range(0)` users each (sparse when small, dense
// when large), then encoding the result as the merge operator does.
void BM_HllMerge(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  HyperLogLog a, b;
  for (int i = 0; i < n; ++i) {
    a.Add(absl::StrCat("a", i));
    b.Add(absl::StrCat("b", i));
  }
  for (auto _ : state) {
    HyperLogLog c = a;
    c.Merge(b);
    benchmark::DoNotOptimize(c.Encode());
  }
  state.counters["dense"] = a.is_dense() ? 1 : 0;
}
BENCHMARK(BM_HllMerge)->Arg(10)->Arg(1'000)->Arg(100'000);

// What a unique-users read does with the stored sketch of `range(0)` users:
// decode it and estimate (sparse when small, dense when large).
void BM_HllDecodeEstimate(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  HyperLogLog a;
  for (int i = 0; i < n; ++i) a.Add(absl::StrCat("a", i));
  const std::string encoded = a.Encode();
  for (auto _ : state) {
    HyperLogLog h;
    benchmark::DoNotOptimize(h.Decode(encoded));
    benchmark::DoNotOptimize(h.Estimate());
  }
  state.counters["dense"] = a.is_dense() ? 1 : 0;
}
BENCHMARK(BM_HllDecodeEstimate)->Arg(10)->Arg(1'000)->Arg(100'000);

void BM_MergeSketchesEncoded(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  HyperLogLog a, b;
  for (int i = 0; i < n; ++i) {
    a.Add(absl::StrCat("a", i));
    b.Add(absl::StrCat("b", i));
  }
  const std::string ea = a.Encode(), eb = b.Encode();
  std::string out;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(MergeSketches(ea, eb, &out));
  }
}
BENCHMARK(BM_MergeSketchesEncoded)->Arg(10)->Arg(1'000)->Arg(100'000);

// What a read of a hot post's sketch does with its unmerged operands (one per
// ingested batch since the last compaction): the merge operator's full merge
// of `range(0)` operands of 5 new users each.
void BM_SketchFullMerge(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<std::string> encoded;
  for (int i = 0; i < n; ++i) {
    HyperLogLog h;
    for (int u = 0; u < 5; ++u) h.Add(absl::StrCat("u", 5 * i + u));
    encoded.push_back(h.Encode());
  }
  const std::vector<rocksdb::Slice> operands(encoded.begin(), encoded.end());
  const SketchMergeOperator op;
  const rocksdb::MergeOperator::MergeOperationInput in("k", nullptr, operands,
                                                       nullptr);
  std::string out;
  for (auto _ : state) {
    out.clear();
    rocksdb::Slice existing;
    rocksdb::MergeOperator::MergeOperationOutput result(out, existing);
    benchmark::DoNotOptimize(op.FullMergeV2(in, &result));
  }
}
BENCHMARK(BM_SketchFullMerge)->Arg(10)->Arg(100)->Arg(400);

}  // namespace
}  // namespace pulse::storage
