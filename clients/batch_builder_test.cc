#include "clients/batch_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pulse {
namespace {

v1::IngestRequest OneEngagement(const std::string& event_id) {
  v1::IngestRequest request;
  v1::Engagement* engagement = request.add_engagements();
  engagement->set_event_id(event_id);
  engagement->set_post_id("p1");
  engagement->set_kind(v1::LIKE);
  return request;
}

TEST(BatchBuilder, HoldsItemsUntilTheBatchIsFull) {
  BatchBuilder builder(3);
  EXPECT_TRUE(builder.Add(OneEngagement("e1")).empty());
  EXPECT_TRUE(builder.Add(OneEngagement("e2")).empty());
}

TEST(BatchBuilder, EmitsABatchAtExactlyMaxItems) {
  BatchBuilder builder(3);
  builder.Add(OneEngagement("e1"));
  builder.Add(OneEngagement("e2"));
  std::vector<Batch> batches = builder.Add(OneEngagement("e3"));
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].request.engagements_size(), 3);
  EXPECT_EQ(batches[0].request.engagements(0).event_id(), "e1");
  EXPECT_EQ(batches[0].request.engagements(2).event_id(), "e3");
  EXPECT_FALSE(builder.Flush().has_value());
}

TEST(BatchBuilder, FlushReturnsThePartialBatch) {
  BatchBuilder builder(3);
  builder.Add(OneEngagement("e1"));
  builder.Add(OneEngagement("e2"));
  builder.Add(OneEngagement("e3"));
  builder.Add(OneEngagement("e4"));
  std::optional<Batch> last = builder.Flush();
  ASSERT_TRUE(last.has_value());
  ASSERT_EQ(last->request.engagements_size(), 1);
  EXPECT_EQ(last->request.engagements(0).event_id(), "e4");
}

TEST(BatchBuilder, FlushOfAnEmptyBuilderReturnsNothing) {
  BatchBuilder builder(3);
  EXPECT_FALSE(builder.Flush().has_value());
}

TEST(BatchBuilder, SplitsALargeAnonymousRequestIntoFullBatches) {
  BatchBuilder builder(2);
  v1::IngestRequest request;
  request.add_posts()->set_post_id("p1");
  request.add_engagements()->set_event_id("e1");
  request.add_engagements()->set_event_id("e2");
  request.add_follows()->set_event_id("f1");
  request.add_follows()->set_event_id("f2");
  std::vector<Batch> batches = builder.Add(request);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].request.posts_size(), 1);
  EXPECT_EQ(batches[0].request.engagements_size(), 1);
  EXPECT_EQ(batches[1].request.engagements(0).event_id(), "e2");
  EXPECT_EQ(batches[1].request.follows(0).event_id(), "f1");
  std::optional<Batch> last = builder.Flush();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->request.follows(0).event_id(), "f2");
}

TEST(BatchBuilder, RequestWithAProducerIdGoesOutWholeAfterPendingItems) {
  BatchBuilder builder(2);
  builder.Add(OneEngagement("e1"));
  v1::IngestRequest identified = OneEngagement("e2");
  identified.add_engagements()->set_event_id("e3");
  identified.add_engagements()->set_event_id("e4");
  identified.set_producer_id("crawler");
  identified.set_sequence(9);
  std::vector<Batch> batches = builder.Add(identified);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].request.engagements(0).event_id(), "e1");
  EXPECT_EQ(batches[1].request.producer_id(), "crawler");
  EXPECT_EQ(batches[1].request.sequence(), 9u);
  EXPECT_EQ(batches[1].request.engagements_size(), 3);
  EXPECT_FALSE(builder.Flush().has_value());
}

TEST(BatchBuilder, KnowsTheLineOfEachItem) {
  BatchBuilder builder(2);
  v1::IngestRequest two;
  two.add_posts()->set_post_id("p1");
  two.add_engagements()->set_event_id("e1");
  EXPECT_TRUE(builder.Add(OneEngagement("e0"), 3).empty());
  std::vector<Batch> batches = builder.Add(two, 4);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].lines.engagements, (std::vector<int64_t>{3}));
  EXPECT_EQ(batches[0].lines.posts, (std::vector<int64_t>{4}));
  v1::IngestRequest identified = OneEngagement("e2");
  identified.set_producer_id("crawler");
  batches = builder.Add(identified, 7);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].lines.engagements, (std::vector<int64_t>{4}));
  EXPECT_EQ(batches[1].lines.engagements, (std::vector<int64_t>{7}));
  EXPECT_TRUE(batches[1].lines.posts.empty());
}

TEST(BatchBuilder, ItemCountSumsAllThreeCollections) {
  v1::IngestRequest request;
  request.add_posts();
  request.add_engagements();
  request.add_engagements();
  request.add_follows();
  EXPECT_EQ(ItemCount(request), 4);
}

}  // namespace
}  // namespace pulse
