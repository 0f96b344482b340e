CREATE TABLE greetings (id bigserial PRIMARY KEY, name text NOT NULL, at timestamptz NOT NULL DEFAULT now());
