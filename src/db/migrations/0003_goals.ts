import { type Kysely, sql } from 'kysely'
import { generatedId, idType, isPostgres } from './dialect.js'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('goals')
    .addColumn('id', idType(db), generatedId(db))
    .addColumn('user_id', idType(db), (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('parent_id', idType(db))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('start', 'text', (col) => col.notNull())
    .addColumn('end', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('goals_user_id_id', ['user_id', 'id'])
    .addUniqueConstraint('goals_user_id_name', ['user_id', 'name'])
    // A parent is always a goal of the same user. No cascade: a subtree is deleted by
    // one statement that names every goal in it (SQLite limits cascade depth to 1000).
    .addForeignKeyConstraint('goals_parent', ['user_id', 'parent_id'], 'goals', ['user_id', 'id'])
    .addCheckConstraint('goals_end_not_before_start', sql`"end" is null or "end" >= start`)
    .execute()
  // Serves the tree and the list (created_at, id order) and the parent_id filter.
  await db.schema.createIndex('goals_user_created').on('goals').columns(['user_id', 'created_at', 'id']).execute()
  await db.schema.createIndex('goals_user_parent').on('goals').columns(['user_id', 'parent_id', 'created_at', 'id']).execute()

  // The last word on cycles: whatever the application checked, and however many
  // requests race, a goal can never become its own ancestor. The check runs inside the
  // statement that changes parent_id (on SQLite, under its write lock).
  if (isPostgres(db)) {
    // The same walk up the tree; `union` rather than `union all`, so that the walk ends
    // even on a tree that somehow holds a cycle already.
    await sql`
      create function goals_no_cycle() returns trigger language plpgsql as $$
      begin
        if exists (
          with recursive ancestors(id) as (
            select new.parent_id
            union
            select goals.parent_id from goals join ancestors on goals.id = ancestors.id
            where goals.parent_id is not null
          )
          select 1 from ancestors where id = new.id
        ) then
          raise exception 'goal cycle';
        end if;
        return new;
      end
      $$
    `.execute(db)
    await sql`
      create trigger goals_no_cycle before update of parent_id on goals
      for each row when (new.parent_id is not null)
      execute function goals_no_cycle()
    `.execute(db)
    return
  }
  await sql`
    create trigger goals_no_cycle before update of parent_id on goals
    when new.parent_id is not null
    begin
      select raise(abort, 'goal cycle') where exists (
        with recursive ancestors(id) as (
          select new.parent_id
          union all
          select goals.parent_id from goals join ancestors on goals.id = ancestors.id
          where goals.parent_id is not null
        )
        select 1 from ancestors where id = new.id
      );
    end
  `.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger goals_no_cycle${isPostgres(db) ? sql` on goals` : sql``}`.execute(db)
  if (isPostgres(db)) await sql`drop function goals_no_cycle`.execute(db)
  await db.schema.dropTable('goals').execute()
}
