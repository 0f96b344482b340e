create table if not exists visits (
  id bigserial primary key,
  at timestamptz not null default now()
);
