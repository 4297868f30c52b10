#include "clients/ingest_summary.h"

#include <gtest/gtest.h>

namespace pulse {
namespace {

TEST(IngestSummary, AddsCountsOfEachBatch) {
  v1::IngestResponse first;
  first.set_accepted(10);
  first.set_duplicates(2);
  first.set_rejected(1);
  first.set_unknown_post_engagements(3);
  v1::IngestResponse second;
  second.set_duplicate_batch(true);
  v1::IngestStreamResponse summary;
  AddToSummary(0, first, &summary);
  AddToSummary(1, second, &summary);
  EXPECT_EQ(summary.batches(), 2);
  EXPECT_EQ(summary.duplicate_batches(), 1);
  EXPECT_EQ(summary.accepted(), 10);
  EXPECT_EQ(summary.duplicates(), 2);
  EXPECT_EQ(summary.rejected(), 1);
  EXPECT_EQ(summary.unknown_post_engagements(), 3);
}

TEST(IngestSummary, PrefixesRejectedFieldsWithTheBatchIndex) {
  v1::IngestResponse response;
  v1::RejectedItem* item = response.add_rejected_items();
  item->set_collection("engagements");
  item->set_index(3);
  item->set_field("engagements[3].kind");
  item->set_reason("kind must be set");
  v1::IngestStreamResponse summary;
  AddToSummary(4, response, &summary);
  ASSERT_EQ(summary.rejected_items_size(), 1);
  EXPECT_EQ(summary.rejected_items(0).field(), "batch[4].engagements[3].kind");
  EXPECT_EQ(summary.rejected_items(0).index(), 3);
  EXPECT_EQ(summary.rejected_items(0).reason(), "kind must be set");
}

TEST(IngestSummary, KeepsAtMostTheFirstHundredRejectedItems) {
  v1::IngestResponse response;
  for (int i = 0; i < 70; ++i) response.add_rejected_items()->set_index(i);
  v1::IngestStreamResponse summary;
  AddToSummary(0, response, &summary);
  AddToSummary(1, response, &summary);
  ASSERT_EQ(summary.rejected_items_size(), kMaxSummaryRejectedItems);
  EXPECT_EQ(summary.rejected_items(99).index(), 29);
}

}  // namespace
}  // namespace pulse
