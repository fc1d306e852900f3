#!/bin/sh
# LocalStack ready hook: the FIFO queue, its FIFO dead-letter queue with a redrive policy, the bucket.
set -eu
awslocal sqs create-queue --queue-name meter-ingest-dlq.fifo --attributes FifoQueue=true
DLQ_ARN=$(awslocal sqs get-queue-attributes --queue-url http://localhost:4566/000000000000/meter-ingest-dlq.fifo \
  --attribute-names QueueArn --query Attributes.QueueArn --output text)
awslocal sqs create-queue --queue-name meter-ingest.fifo --attributes "{\"FifoQueue\":\"true\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$DLQ_ARN\\\",\\\"maxReceiveCount\\\":\\\"5\\\"}\"}"
awslocal s3 mb s3://meter-ingest
echo "meter-ingest queue, dead-letter queue and bucket ready"
