DROP TABLE message_reactions;
DROP TABLE message_hides;
DROP TABLE messages;
DROP TABLE conversation_members;
DROP TABLE conversations;
