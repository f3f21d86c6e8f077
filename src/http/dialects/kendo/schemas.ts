import { Type as T } from 'typebox'

const IntOrText = T.Union([T.Integer(), T.String()])
const Text = T.Union([T.String(), T.Null()])

/** The list response, so Fastify serialises it with a compiled schema. */
export const NotificationList = T.Array(
  T.Object({
    id: T.Integer(),
    type: T.Union([T.Integer(), T.Null()]),
    message: T.String(),
    read_at: Text,
    created_at: T.String(),
    actor: T.Union([
      T.Object({ id: IntOrText, first_name: Text, last_name: Text, profile_picture: Text }),
      T.Null(),
    ]),
    issue: T.Union([
      T.Object({
        id: IntOrText,
        key: Text,
        title: Text,
        project_id: T.Union([IntOrText, T.Null()]),
      }),
      T.Null(),
    ]),
    notifiable: T.Union([
      T.Object({ type: T.String(), id: IntOrText, key: Text, title: Text }),
      T.Null(),
    ]),
  }),
)
