-- +goose Up
-- Chats are addressed by (channel, bot, chat id as text) since a club may
-- have its own bot and staff may use Viber, whose ids are not numbers
-- (domain/chat.Address, written "telegram:0:12345"). Until now every chat
-- was the deployment's Telegram bot's, bot 0.
ALTER TABLE deliveries ALTER COLUMN chat_id TYPE text USING 'telegram:0:' || chat_id;
ALTER TABLE deliveries RENAME COLUMN chat_id TO chat;
ALTER TABLE bulk_calls ALTER COLUMN progress_chat_id TYPE text USING 'telegram:0:' || progress_chat_id;
ALTER TABLE bulk_calls RENAME COLUMN progress_chat_id TO progress_chat;

-- +goose Down
ALTER TABLE bulk_calls RENAME COLUMN progress_chat TO progress_chat_id;
ALTER TABLE bulk_calls ALTER COLUMN progress_chat_id TYPE bigint USING split_part(progress_chat_id, ':', 3)::bigint;
ALTER TABLE deliveries RENAME COLUMN chat TO chat_id;
ALTER TABLE deliveries ALTER COLUMN chat_id TYPE bigint USING split_part(chat_id, ':', 3)::bigint;
