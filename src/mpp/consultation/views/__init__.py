"""Pages of the public consultation forum (forum konsultasi publik).

public.py   citizens: the mall's topics (/m/<mall>/konsultasi/) and one topic, where they
            vote, support comments and comment, without JavaScript and without an account
manage.py   the mall's managers: topics, the moderation queue, create and edit a draft,
            publish, extend, close, conclude with the outcome and changes, withdraw
common.py   shared: the mall, who may manage, plain sentences for the services' codes
"""
