from django.apps import AppConfig


class Config(AppConfig):
    name = "medexam.demo"
    label = "demo"
