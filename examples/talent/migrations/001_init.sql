-- Opportunities reviewers publish, applications applicants make, one per (opportunity, applicant).
create table opportunities (
  id uuid primary key default gen_random_uuid(),
  title text not null,
  description text not null,
  closes_at timestamptz,
  created_by text not null,
  created_at timestamptz not null default now()
);

create index opportunities_created_at on opportunities (created_at desc);

create table applications (
  id uuid primary key default gen_random_uuid(),
  opportunity_id uuid not null references opportunities (id),
  applicant_sub text not null,
  applicant_email text not null,
  status text not null default 'draft'
    check (status in ('draft', 'submitted', 'in_review', 'accepted', 'rejected')),
  -- The key of the latest presigned upload; the object may not exist until the applicant uploads it.
  resume_key text unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  submitted_at timestamptz,
  -- Set once by send-reminders: a draft is reminded at most once.
  reminded_at timestamptz,
  unique (opportunity_id, applicant_sub)
);

create index applications_unreminded_drafts on applications (created_at) where status = 'draft' and reminded_at is null;
