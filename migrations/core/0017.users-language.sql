-- depends: 0011.users-relationship-function
-- The language a user reads the platform in (notifications first): English or Swahili.
ALTER TABLE users ADD COLUMN language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'sw'));
