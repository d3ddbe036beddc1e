/**
 * The handler table: one entry per operationId in `openapi.yaml`. `satisfies Handlers`
 * makes a missing, misnamed or mistyped handler a compile error.
 */

import type { Handlers } from './core/operations.js'
import { createGoal, deleteGoal, getGoal, getGoalTree, listGoals, replaceGoal, updateGoal } from './goals/goals.handlers.js'
import { checkLiveness, checkReadiness, getDocs, getOpenApiJson, getOpenApiYaml } from './service/service.handlers.js'
import { createTask, deleteTask, getTask, listTasks, replaceTask, updateTask } from './tasks/tasks.handlers.js'
import { createToken, revokeCurrentToken } from './tokens/tokens.handlers.js'
import {
  createExpense,
  createIncome,
  deleteTransaction,
  getBalance,
  getTransaction,
  listExpenses,
  listIncomes,
  listTransactions,
} from './transactions/transactions.handlers.js'
import { createUser, deleteCurrentUser, getCurrentUser, getUser, updateCurrentUser } from './users/users.handlers.js'

export const handlers = {
  createUser,
  getCurrentUser,
  updateCurrentUser,
  deleteCurrentUser,
  getUser,
  createToken,
  revokeCurrentToken,
  listTasks,
  createTask,
  getTask,
  replaceTask,
  updateTask,
  deleteTask,
  listGoals,
  createGoal,
  getGoalTree,
  getGoal,
  replaceGoal,
  updateGoal,
  deleteGoal,
  listIncomes,
  createIncome,
  listExpenses,
  createExpense,
  listTransactions,
  getTransaction,
  deleteTransaction,
  getBalance,
  checkLiveness,
  checkReadiness,
  getOpenApiYaml,
  getOpenApiJson,
  getDocs,
} satisfies Handlers
