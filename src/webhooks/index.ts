/** Outgoing webhooks: the host allowlist, HMAC signing, delivery with retries. */
export { WebhookTargetPolicy } from './webhook-targets.js';
export { WebhookSender, signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, DELIVERY_HEADER, type WebhookSenderOptions, type DeliveryResult } from './webhook-sender.js';
